;;! id = "package.input-schema-default-draft-items-array"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "no $schema; items is an array of schemas (the tuple form of drafts 7 and 2019-09)"
;;! input_schema = '{"type":"object","properties":{"pair":{"type":"array","items":[{"type":"string"}]}}}'
;;! input = '{"pair":["a"]}'
;;! [expect]
;;! code = "manifest_invalid"
;; In draft 2020-12, the draft of a schema without $schema, items is one schema, never an array:
;; the schema is invalid and the load fails. A runtime defaulting to draft 7 or 2019-09 reads the
;; array as a tuple, loads the package and runs the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
