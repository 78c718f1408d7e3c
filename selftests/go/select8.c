// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/select8.go: break statements in 1-, 2- and
 * 3-case selects (gccgo had a bug there), with a goroutine sending 5 on
 * ch for ever.
 *
 * select { case <-ch: break }: receives 5. select { default: break }.
 * select { case <-ch: break; default: break }: either, never an error.
 * select { case <-ch: break; case ch <- 10: unreachable; default: break }:
 * the send case can never fire, since nobody receives but this select.
 *
 * Adapted: C's break in a switch on the select's result; unreachable is
 * a failed check. The sending goroutine is reclaimed when main returns.
 */
#include "go.h"

static gsched_chan_t ch;

static long sender(void *arg)
{
	long five = 5;

	for (;;)
		if (gsched_chan_send(ch, &five))
			return -1;
	return 0;
}

static long select8_main(void *arg)
{
	struct gsched_select_case cs[2];
	long v = -1, ten = 10;
	int r;

	ch = go_make(sizeof(long), 0);
	go(sender, NULL);

	cs[0] = GSCHED_RECV(ch, &v);
	switch ((r = gsched_select(cs, 1, 0, 0, NULL))) {
	case 0:
		T_EQ(5, v);
		break;
	default:
		T_EQ(0, r);	/* panic("unreachable") */
	}

	switch ((r = gsched_select(NULL, 0, GSCHED_SELECT_DEFAULT, 0, NULL))) {
	case -EAGAIN:
		break;
	default:
		T_EQ(-EAGAIN, r);
	}

	switch ((r = gsched_select(cs, 1, GSCHED_SELECT_DEFAULT, 0, NULL))) {
	case 0:
		T_EQ(5, v);
		break;
	case -EAGAIN:
		break;
	default:
		T_EQ(-EAGAIN, r);
	}

	cs[1] = GSCHED_SEND(ch, &ten);
	switch ((r = gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0, NULL))) {
	case 0:
		T_EQ(5, v);
		break;
	case -EAGAIN:
		break;
	default:
		T_EQ(-EAGAIN, r);	/* 1: panic("unreachable") */
	}
	return 0;
}

TEST(select8)
{
	RUN_OK(&go_default_procs, select8_main);
}

TEST_HARNESS_MAIN
