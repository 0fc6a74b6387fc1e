/*
 * Guest entry. IN: rdi = struct mirage_boot_info *, rsp = top of the stack set by
 * the tender (16-byte aligned minus 8, as after a call). We keep the tender's stack,
 * realign it for the C ABI and pass the entry rsp on so the allocator can keep the
 * heap below it. mirage_boot never returns; ud2 makes a bug loud.
 */
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    mov %rsp, %rsi
    and $-16, %rsp
    xor %ebp, %ebp
    call mirage_boot
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
