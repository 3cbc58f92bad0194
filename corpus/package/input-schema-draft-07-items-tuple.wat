;;! id = "package.input-schema-draft-07-items-tuple"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "$schema names draft 7; items is a tuple whose first schema the input breaks"
;;! input_schema = '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"pair":{"type":"array","items":[{"type":"string"}]}}}'
;;! input = '{"pair":[1]}'
;;! [expect]
;;! code = "input_schema_mismatch"
;; A $schema naming a supported draft is honoured: in draft 7 an array-valued items checks items by
;; position. A runtime that reads every schema as 2020-12 whatever its $schema says refuses the
;; schema at load (manifest_invalid) instead of refusing the input.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
