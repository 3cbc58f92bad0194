;;! id = "input.schema-not-an-object"
;;! guarantee = "IN-04"
;;! since = "0.1.0"
;;! summary = "the default schema wants an object; the input is [1,2,3]"
;;! input = '[1,2,3]'
;;! [expect]
;;! code = "input_schema_mismatch"
;; Valid JSON of the wrong top-level type against the default {"type":"object"}.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
