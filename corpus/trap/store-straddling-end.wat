;;! id = "trap.store-straddling-end"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "stores an i32 at 65534: two bytes in, two bytes out"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "memory_out_of_bounds" }
;; A store that starts inside memory and ends outside. Nothing may be written, and the call traps.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; [65534, 65538) straddles the end of memory.
    (i32.store (i32.const 65534) (i32.const 0x11223344))))
