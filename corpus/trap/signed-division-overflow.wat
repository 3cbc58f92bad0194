;;! id = "trap.signed-division-overflow"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "divides INT32_MIN by -1"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "integer_overflow" }
;; The one signed division whose result does not fit: integer_overflow, not divide-by-zero.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; -2147483648 / -1 = 2147483648 does not fit in i32.
    (drop (i32.div_s (i32.const 0x80000000) (i32.const -1)))))
