;;! id = "output.overlong-utf8"
;;! guarantee = "OUT-04"
;;! since = "0.1.0"
;;! summary = "the summary contains C0 AF, an overlong encoding of \"/\""
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; Overlong forms smuggle characters past filters that look for their short form.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A result with an overlong "/" (21 bytes)
  (data (i32.const 0) "{\"summary\":\"..\c0\afetc\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 21)))))
