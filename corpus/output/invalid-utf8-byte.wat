;;! id = "output.invalid-utf8-byte"
;;! guarantee = "OUT-04"
;;! since = "0.1.0"
;;! summary = "the summary contains the byte 0xFF"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; 0xFF never occurs in UTF-8. A runtime that decodes lossily would turn it into U+FFFD and accept.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A result whose summary ends in the byte 0xFF (18 bytes)
  (data (i32.const 0) "{\"summary\":\"caf\ff\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 18)))))
