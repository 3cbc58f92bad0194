;;! id = "input.malformed-invalid-escape"
;;! guarantee = "IN-02"
;;! since = "0.1.0"
;;! summary = "a string with the escape \\q"
;;! input = '{"text":"\q"}'
;;! [expect]
;;! code = "input_malformed"
;; JSON defines eight escapes plus \u; \q is none of them. The guest would write a valid result if
;; it ran.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
