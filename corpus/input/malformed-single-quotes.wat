;;! id = "input.malformed-single-quotes"
;;! guarantee = "IN-02"
;;! since = "0.1.0"
;;! summary = "an object written with single quotes"
;;! input = "{'text': 'hi'}"
;;! [expect]
;;! code = "input_malformed"
;; JavaScript-style relaxed JSON is not JSON. The guest would write a valid result if it ran.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
