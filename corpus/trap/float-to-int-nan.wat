;;! id = "trap.float-to-int-nan"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "truncates a NaN to i32 with the trapping instruction"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "bad_conversion_to_integer" }
;; NaN has no integer value: bad_conversion_to_integer.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; The trapping truncation (not the saturating one).
    (drop (i32.trunc_f64_s (f64.const nan)))))
