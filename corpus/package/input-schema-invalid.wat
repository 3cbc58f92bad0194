;;! id = "package.input-schema-invalid"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the input_schema says \"type\": \"objekt\""
;;! input_schema = '{"type":"objekt"}'
;;! [expect]
;;! code = "manifest_invalid"
;; "objekt" is not a JSON Schema type, so the schema itself is invalid. A runtime that compiles
;; schemas lazily or leniently would load the plugin and accept any input.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
