;;! id = "package.input-schema-versionless-draft"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "$schema is the version-less https://json-schema.org/schema"
;;! input_schema = '{"$schema":"https://json-schema.org/schema","type":"object"}'
;;! input = '{}'
;;! [expect]
;;! code = "manifest_invalid"
;; The version-less URI means whichever draft is newest to the validator that reads it, so the
;; schema's meaning would change with the runtime's library: refused like an unknown draft.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
