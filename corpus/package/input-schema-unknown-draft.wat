;;! id = "package.input-schema-unknown-draft"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "$schema names a meta-schema no runtime knows"
;;! input_schema = '{"$schema":"https://example.com/schemas/tool-input","type":"object"}'
;;! input = '{}'
;;! [expect]
;;! code = "manifest_invalid"
;; A schema whose $schema the runtime does not know has no meaning it can vouch for: the load fails
;; (details.reason = "unknown_draft"). A runtime that validates it as its default draft loads the
;; package and runs the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
