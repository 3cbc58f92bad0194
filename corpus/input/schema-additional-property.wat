;;! id = "input.schema-additional-property"
;;! guarantee = "IN-04"
;;! since = "0.1.0"
;;! summary = "additionalProperties is false and the input adds an \"exec\" key"
;;! input = '{"text":"hi","exec":"rm -rf /"}'
;;! input_schema = '{"type":"object","additionalProperties":false,"properties":{"text":{"type":"string"}}}'
;;! [expect]
;;! code = "input_schema_mismatch"
;; An extra key the tool never declared, which a validator that ignores additionalProperties lets
;; through to the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
