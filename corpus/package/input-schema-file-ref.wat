;;! id = "package.input-schema-file-ref"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the input_schema refers to file:///etc/passwd through $ref"
;;! input_schema = '{"type":"object","properties":{"path":{"$ref":"file:///etc/passwd"}}}'
;;! [expect]
;;! code = "manifest_invalid"
;; The file: form of package.input-schema-external-ref. A runtime that refuses only network
;; references (an HTTP resolver turned off, the file resolver left on) reads a host file of the
;; plugin's choosing while it loads the plugin.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
