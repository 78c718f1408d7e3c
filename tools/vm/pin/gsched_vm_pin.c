// SPDX-License-Identifier: GPL-2.0
/*
 * gsched_vm_pin: a helper for the QEMU test guests only, never installed
 * with gsched.
 *
 * The scheduler calls preempt notifiers behind a static key,
 * preempt_notifier_key; gsched.ko turns it on when its first worker
 * registers and off at unload (module/handoff.c). Each turn live-patches
 * the context-switch path (text_poke_bp: int3, sync every CPU, new bytes,
 * sync). Under QEMU's multi-threaded TCG the other vCPU now and then still
 * executes the int3 after the patch is complete, and the guest dies: an
 * "Oops: int3" at the key's site in finish_task_switch() or __schedule()
 * (seen on 6.1, 6.12 and the debug kernel, each time while
 * tools/run-tests unloaded gsched). KVM's module turns the same key on
 * and off for every virtual machine on real hardware.
 *
 * tools/vm/stage2 loads this module with every other CPU offline, so the
 * one patch it causes happens on a single CPU, and never unloads it: in
 * the guest gsched's own turns only count.
 */
#include <linux/module.h>
#include <linux/preempt.h>

static int __init gsched_vm_pin_init(void)
{
	preempt_notifier_inc();
	return 0;
}

static void __exit gsched_vm_pin_exit(void)
{
	preempt_notifier_dec();
}

module_init(gsched_vm_pin_init);
module_exit(gsched_vm_pin_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test guests: keep preempt_notifier_key on (tools/vm)");
