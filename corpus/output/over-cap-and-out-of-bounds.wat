;;! id = "output.over-cap-and-out-of-bounds"
;;! guarantee = "OUT-01"
;;! since = "0.1.0"
;;! summary = "output_bytes = 64: output_write(0x20000, 100), both over the cap and outside memory"
;;! [limits]
;;! output_bytes = 64
;;! [expect]
;;! code = "output_too_large"
;;! min_host_call_failures = { output_write = 1 }
;; output_write checks the length against the cap before the range against memory (SPEC section 4),
;; so a write wrong in both ways is output_too_large. A runtime that checks the range first answers
;; abi_violation.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0x20000) (i32.const 100)))))
