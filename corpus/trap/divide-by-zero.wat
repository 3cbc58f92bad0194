;;! id = "trap.divide-by-zero"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "divides an i32 by zero"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "integer_divide_by_zero" }
;; The divisor comes from the guest, so no compiler can fold it away.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; input_len - input_len is 0.
    (drop (i32.div_u (i32.const 7) (i32.sub (call $input_len) (call $input_len))))))
