;;! id = "input.schema-backtracking-pattern"
;;! guarantee = "PKG-09"
;;! since = "0.1.0"
;;! summary = "a pattern with a back-reference and a look-behind, and an input it backtracks on"
;;! input = '{"s":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}'
;;! input_schema = '{"type":"object","properties":{"s":{"type":"string","pattern":"^(a|aa)+(?<!b)\\1$"}}}'
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "manifest_invalid"
;; Look-around and back-references need a backtracking matcher, which takes time exponential in the
;; text for patterns like this one. docs/SPEC.md section 2 refuses them at load, so every pattern that
;; is run matches in time linear in the text.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
