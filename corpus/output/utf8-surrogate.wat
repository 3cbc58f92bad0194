;;! id = "output.utf8-surrogate"
;;! guarantee = "OUT-04"
;;! since = "0.1.0"
;;! summary = "the summary contains ED A0 80, an encoded UTF-16 surrogate"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; CESU-8 style surrogates are not UTF-8.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A result with an encoded surrogate (17 bytes)
  (data (i32.const 0) "{\"summary\":\"\ed\a0\80\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 17)))))
