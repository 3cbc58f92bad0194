;;! id = "input.schema-missing-required"
;;! guarantee = "IN-04"
;;! since = "0.1.0"
;;! summary = "the schema requires \"path\"; the input is {}"
;;! input_schema = '{"type":"object","required":["path"],"properties":{"path":{"type":"string"}}}'
;;! [expect]
;;! code = "input_schema_mismatch"
;; A required property is missing.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
