;;! id = "trap.float-to-int-overflow"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "truncates 5e9 to an unsigned i32"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "integer_overflow" }
;; A finite float out of the integer range is integer_overflow, distinct from NaN.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; 5e9 > 2^32 - 1.
    (drop (i32.trunc_f32_u (f32.const 5e9)))))
