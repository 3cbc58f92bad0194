;;! id = "input.schema-leading-lookahead"
;;! guarantee = "PKG-09"
;;! since = "0.1.0"
;;! summary = "a pattern that opens with a run of look-aheads after ^ (\"^(?=.*a)(?=.*b)\"): refused like any look-around"
;;! input_schema = '{"type":"object","properties":{"q":{"type":"string","pattern":"^(?=.*a)(?=.*b)"}}}'
;;! [expect]
;;! code = "manifest_invalid"
;; docs/SPEC.md section 2.3 refuses look-around of every kind. A run of (?=...) groups right after a
;; leading ^ is the one form a runtime could rewrite into several linear patterns (each group, then
;; the rest, matched on its own), and a runtime that does so accepts this schema; the rule does not
;; allow it, so what a schema means does not depend on which runtime rewrites what.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
