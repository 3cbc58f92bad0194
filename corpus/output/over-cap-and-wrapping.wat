;;! id = "output.over-cap-and-wrapping"
;;! guarantee = "OUT-01"
;;! since = "0.1.0"
;;! summary = "output_bytes = 64: output_write(0xfffffff0, 100), over the cap and wrapping past 2^32"
;;! [limits]
;;! output_bytes = 64
;;! [expect]
;;! code = "output_too_large"
;;! min_host_call_failures = { output_write = 1 }
;; The second case of output.over-cap-and-out-of-bounds: the range both leaves memory and wraps,
;; and the length is over the cap. The cap is checked first, so the answer is output_too_large; a
;; runtime that validates the range before the length answers abi_violation.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0xfffffff0) (i32.const 100)))))
