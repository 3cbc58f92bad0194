;;! id = "package.input-schema-relative-ref"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the input_schema refers to a sibling document, common.json#/defs/path, through $ref"
;;! input_schema = '{"type":"object","properties":{"path":{"$ref":"common.json#/defs/path"}}}'
;;! [expect]
;;! code = "manifest_invalid"
;; A relative reference names another document (resolved against the schema's base URI, or a
;; working directory): it is as external as a URL. A runtime that refuses only references with a
;; scheme resolves it, or leaves it unresolved and accepts any value.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
