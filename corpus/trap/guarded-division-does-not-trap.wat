;;! id = "trap.guarded-division-does-not-trap"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "i32.rem_s by a divisor that a select made 1 after a guarded load set it to 0: no trap, the guest writes its output"
;;! [expect]
;;! output = { summary = "divided without a trap" }
;; Found by `cargo xtask fuzz --differential` (seed 2428, a wasm-smith guest with its load and
;; division guards), reduced by hand: WebAssembly divides 7 by 1 here (the reference runtime and
;; wasmtime 50 do), and wasmi 2.0.0 traps with integer_divide_by_zero, an engine bug in how it
;; translates this sequence (the same instructions without the branching load pass).
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 0 1)
  (func (export "yoi_tool_call")
    (local $addr i32) (local $loaded i32) (local $divisor i32) (local $dividend i32)
    ;; The dividend waits on the stack throughout.
    i32.const 7
    ;; The divisor is loaded from a memory of 0 pages, so the bounds check takes the branch
    ;; that sets it to 0 (wasm-smith's guard for a load that could trap).
    i32.const 574168521
    local.set $addr
    block
      block
        memory.size
        i32.const 65536
        i32.mul
        i32.const 4
        local.get $addr
        i32.add
        i32.le_u
        br_if 0
        local.get $addr
        i32.load16_u
        local.set $loaded
        br 1
      end
      i32.const 0
      local.set $loaded
    end
    ;; Then a zero divisor is replaced by 1 (wasm-smith's guard for a division that could trap).
    local.get $loaded
    local.set $divisor
    i32.const 1
    local.get $divisor
    local.get $divisor
    i32.eqz
    select
    local.set $divisor
    local.set $dividend
    local.get $dividend
    local.get $divisor
    i32.rem_s
    drop
    ;; Reached only without a trap: a page for the output, then the output.
    (drop (memory.grow (i32.const 1)))
    (memory.init $out (i32.const 0) (i32.const 0) (i32.const 36))
    (drop (call $output_write (i32.const 0) (i32.const 36))))
  (data $out "{\"summary\":\"divided without a trap\"}"))

