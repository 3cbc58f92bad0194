;;! id = "package.input-schema-default-draft-prefix-items"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "no $schema; prefixItems says the first item is a string; the input's is a number"
;;! input_schema = '{"type":"object","properties":{"pair":{"type":"array","prefixItems":[{"type":"string"}]}}}'
;;! input = '{"pair":[1]}'
;;! [expect]
;;! code = "input_schema_mismatch"
;; Without $schema a schema is read as draft 2020-12 (docs/SPEC.md section 2.3), where prefixItems
;; checks items by position. Drafts 7 and 2019-09 know no prefixItems and ignore it: a runtime
;; whose validator defaults to one of them lets the input through and runs the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
