;;! id = "output.first-failure-over-cap"
;;! guarantee = "OUT-02"
;;! since = "0.1.0"
;;! summary = "output_bytes = 64: an over-cap write fails, then a negative-length write fails, then a valid write"
;;! separates_from = { output_bytes = 38 }
;;! [limits]
;;! output_bytes = 64
;;! [expect]
;;! code = "output_too_large"
;;! min_host_calls = { output_write = 3 }
;;! min_host_call_failures = { output_write = 2 }
;; The mirror of output.first-failure-out-of-bounds: here the first failure is output_too_large and
;; the second abi_violation. The first failure is the one reported.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"valid after two failures\"}")
  (func (export "yoi_tool_call")
    ;; 65 bytes from 0, inside memory but one over the 64-byte cap: output_too_large.
    (drop (call $output_write (i32.const 0) (i32.const 65)))
    ;; A negative length: abi_violation.
    (drop (call $output_write (i32.const 0) (i32.const -1)))
    (drop (call $output_write (i32.const 0) (i32.const 38)))))
