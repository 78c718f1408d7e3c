/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gsched tracepoints: goroutine-level events for perf, ftrace and bpftrace
 * (tracepoint:gsched:*). Every field is a plain integer. Instances, tasks
 * and handles are the ids user space sees; channels and contexts also
 * carry a module-wide id, the same in every process that shares them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gsched

#if !defined(_GSCHED_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GSCHED_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(gsched_task_create,
	TP_PROTO(u32 inst, u32 task, s32 p),
	TP_ARGS(inst, task, p),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, task)
		__field(s32, p)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->task = task;
		__entry->p = p;
	),
	TP_printk("inst=%u task=%u p=%d", __entry->inst, __entry->task,
		  __entry->p)
);

TRACE_EVENT(gsched_task_run,
	TP_PROTO(u32 inst, u32 task, u32 p, u64 wait_ns),
	TP_ARGS(inst, task, p, wait_ns),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, task)
		__field(u32, p)
		__field(s32, cpu)
		__field(u64, wait_ns)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->task = task;
		__entry->p = p;
		__entry->cpu = raw_smp_processor_id();
		__entry->wait_ns = wait_ns;
	),
	TP_printk("inst=%u task=%u p=%u cpu=%d runnable_ns=%llu",
		  __entry->inst, __entry->task, __entry->p, __entry->cpu,
		  __entry->wait_ns)
);

TRACE_EVENT(gsched_task_park,
	TP_PROTO(u32 inst, u32 task, u32 reason, u32 object),
	TP_ARGS(inst, task, reason, object),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, task)
		__field(u32, reason)
		__field(u32, object)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->task = task;
		__entry->reason = reason;
		__entry->object = object;
	),
	TP_printk("inst=%u task=%u reason=%u object=%u", __entry->inst,
		  __entry->task, __entry->reason, __entry->object)
);

TRACE_EVENT(gsched_task_wake,
	TP_PROTO(u32 inst, u32 task, u32 waker, u32 reason, u64 parked_ns),
	TP_ARGS(inst, task, waker, reason, parked_ns),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, task)
		__field(u32, waker)
		__field(u32, reason)
		__field(u64, parked_ns)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->task = task;
		__entry->waker = waker;
		__entry->reason = reason;
		__entry->parked_ns = parked_ns;
	),
	TP_printk("inst=%u task=%u waker=%u reason=%u parked_ns=%llu",
		  __entry->inst, __entry->task, __entry->waker,
		  __entry->reason, __entry->parked_ns)
);

TRACE_EVENT(gsched_task_exit,
	TP_PROTO(u32 inst, u32 task, s64 value),
	TP_ARGS(inst, task, value),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, task)
		__field(s64, value)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->task = task;
		__entry->value = value;
	),
	TP_printk("inst=%u task=%u value=%lld", __entry->inst, __entry->task,
		  __entry->value)
);

TRACE_EVENT(gsched_steal,
	TP_PROTO(u32 inst, u32 p, u32 victim, u32 count),
	TP_ARGS(inst, p, victim, count),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, p)
		__field(u32, victim)
		__field(u32, count)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->p = p;
		__entry->victim = victim;
		__entry->count = count;
	),
	TP_printk("inst=%u p=%u victim=%u count=%u", __entry->inst,
		  __entry->p, __entry->victim, __entry->count)
);

/* A blocked worker's P was taken away; @blocked_ns since it blocked. */
TRACE_EVENT(gsched_handoff,
	TP_PROTO(u32 inst, u32 worker, u32 p, u64 blocked_ns),
	TP_ARGS(inst, worker, p, blocked_ns),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, worker)
		__field(u32, p)
		__field(u64, blocked_ns)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->worker = worker;
		__entry->p = p;
		__entry->blocked_ns = blocked_ns;
	),
	TP_printk("inst=%u worker=%u p=%u blocked_ns=%llu", __entry->inst,
		  __entry->worker, __entry->p, __entry->blocked_ns)
);

/* The preemption signal was sent to @worker, whose @task ran @ran_ns. */
TRACE_EVENT(gsched_preempt,
	TP_PROTO(u32 inst, u32 worker, u32 task, u64 ran_ns),
	TP_ARGS(inst, worker, task, ran_ns),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, worker)
		__field(u32, task)
		__field(u64, ran_ns)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->worker = worker;
		__entry->task = task;
		__entry->ran_ns = ran_ns;
	),
	TP_printk("inst=%u worker=%u task=%u ran_ns=%llu", __entry->inst,
		  __entry->worker, __entry->task, __entry->ran_ns)
);

TRACE_EVENT(gsched_global_move,
	TP_PROTO(u32 inst, u32 p, u32 count),
	TP_ARGS(inst, p, count),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, p)
		__field(u32, count)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->p = p;
		__entry->count = count;
	),
	TP_printk("inst=%u p=%u count=%u", __entry->inst, __entry->p,
		  __entry->count)
);

/* op: 1 send, 2 receive, 3 close; blocked: the operation had to wait */
TRACE_EVENT(gsched_chan_op,
	TP_PROTO(u32 inst, u32 task, u64 chan, u32 op, u32 elem_size,
		 u32 blocked),
	TP_ARGS(inst, task, chan, op, elem_size, blocked),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, task)
		__field(u64, chan)
		__field(u32, op)
		__field(u32, elem_size)
		__field(u32, blocked)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->task = task;
		__entry->chan = chan;
		__entry->op = op;
		__entry->elem_size = elem_size;
		__entry->blocked = blocked;
	),
	TP_printk("inst=%u task=%u chan=%llu op=%u elem_size=%u blocked=%u",
		  __entry->inst, __entry->task, __entry->chan, __entry->op,
		  __entry->elem_size, __entry->blocked)
);

/* chosen: the case index, -1 for default or timeout */
TRACE_EVENT(gsched_select,
	TP_PROTO(u32 inst, u32 task, u32 ncases, s32 chosen, u32 blocked),
	TP_ARGS(inst, task, ncases, chosen, blocked),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, task)
		__field(u32, ncases)
		__field(s32, chosen)
		__field(u32, blocked)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->task = task;
		__entry->ncases = ncases;
		__entry->chosen = chosen;
		__entry->blocked = blocked;
	),
	TP_printk("inst=%u task=%u ncases=%u chosen=%d blocked=%u",
		  __entry->inst, __entry->task, __entry->ncases,
		  __entry->chosen, __entry->blocked)
);

/* handoff: 1 when unlock gave the lock straight to a waiter */
TRACE_EVENT(gsched_mutex,
	TP_PROTO(u32 inst, u32 mutex, u32 contended, u32 handoff),
	TP_ARGS(inst, mutex, contended, handoff),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u32, mutex)
		__field(u32, contended)
		__field(u32, handoff)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->mutex = mutex;
		__entry->contended = contended;
		__entry->handoff = handoff;
	),
	TP_printk("inst=%u mutex=%u contended=%u handoff=%u", __entry->inst,
		  __entry->mutex, __entry->contended, __entry->handoff)
);

TRACE_EVENT(gsched_ctx_cancel,
	TP_PROTO(u32 inst, u64 ctx, s32 err),
	TP_ARGS(inst, ctx, err),
	TP_STRUCT__entry(
		__field(u32, inst)
		__field(u64, ctx)
		__field(s32, err)
	),
	TP_fast_assign(
		__entry->inst = inst;
		__entry->ctx = ctx;
		__entry->err = err;
	),
	TP_printk("inst=%u ctx=%llu err=%d", __entry->inst, __entry->ctx,
		  __entry->err)
);

#endif /* _GSCHED_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
