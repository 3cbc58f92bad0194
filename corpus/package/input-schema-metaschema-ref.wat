;;! id = "package.input-schema-metaschema-ref"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the input_schema refers to the JSON Schema 2020-12 meta-schema by its URL"
;;! input_schema = '{"type":"object","properties":{"schema":{"$ref":"https://json-schema.org/draft/2020-12/schema"}}}'
;;! [expect]
;;! code = "manifest_invalid"
;; Validators ship copies of the well-known meta-schemas and resolve their URLs without a fetch, but a
;; URL is still a reference outside the schema: docs/SPEC.md section 2 refuses every $ref that does
;; not start with "#", so what a schema means never depends on what a runtime happens to bundle.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
