;;! id = "package.input-schema-external-ref"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the input_schema refers to a schema on the network through $ref"
;;! input_schema = '{"type":"object","properties":{"path":{"$ref":"https://example.invalid/schema.json"}}}'
;;! [expect]
;;! code = "manifest_invalid"
;; A plugin's schema is untrusted: resolving this $ref would make the host fetch a URL of the
;; plugin's choosing while loading it. The load must fail with manifest_invalid; a runtime that
;; leaves the reference unresolved until validation (or treats it as "anything") would load the
;; plugin and run the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
