/* SPDX-License-Identifier: MIT */
/*
 * libgsched context switch for x86_64 (System V ABI).
 *
 * void gs_switch(void **save_sp, void *load_sp)
 *
 * Saves the callee-saved registers, MXCSR and the x87 control word on the
 * current stack, stores the stack pointer in *save_sp, loads load_sp and
 * restores the same frame from there. Caller-saved registers need no
 * saving: the compiler assumes a call clobbers them. No signal mask is
 * touched (that is what makes swapcontext() a system call).
 *
 * Frame at a saved stack pointer (low to high):
 *   0: MXCSR (4 bytes), 4: x87 control word (2 bytes), pad
 *   8: r15, 16: r14, 24: r13, 32: r12, 40: rbx, 48: rbp, 56: return address
 * gs_stack_init() in runtime.c builds the same frame for a new task, with
 * gs_task_entry as the return address.
 */
	.text
	.globl	gs_switch
	.hidden	gs_switch
	.type	gs_switch, @function
	.p2align 4
gs_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	gs_switch, .-gs_switch

/*
 * First instruction of every task: reached by gs_switch's ret with a
 * 16-byte aligned stack. Calls gs_task_start(), which never returns.
 * The zero return address ends backtraces here.
 */
	.globl	gs_task_entry
	.hidden	gs_task_entry
	.type	gs_task_entry, @function
	.p2align 4
gs_task_entry:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	call	gs_task_start
	ud2
	.cfi_endproc
	.size	gs_task_entry, .-gs_task_entry

	.section .note.GNU-stack,"",@progbits
