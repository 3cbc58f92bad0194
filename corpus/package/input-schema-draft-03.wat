;;! id = "package.input-schema-draft-03"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "$schema names draft 3, which no supported draft is"
;;! input_schema = '{"$schema":"http://json-schema.org/draft-03/schema#","type":"object"}'
;;! input = '{}'
;;! [expect]
;;! code = "manifest_invalid"
;; Draft 3 (required as a boolean on each property, disallow, extends) is not among the drafts of
;; docs/SPEC.md section 2.3: refused at load, never validated as another draft.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
