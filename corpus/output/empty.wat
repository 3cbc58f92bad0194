;;! id = "output.empty"
;;! guarantee = "OUT-05"
;;! since = "0.1.0"
;;! summary = "output_write(0, 0): a successful write of zero bytes"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; A zero-length write is in bounds and under the cap, so it succeeds and the output is the empty
;; string, which is not JSON: output_malformed (the guest did write, so not output_missing).
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 0)))))
