;;! id = "features.extended-const"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "initialises a global with i32.add in a constant expression"
;;! [expect]
;;! code = "module_invalid"
;; Extended constant expressions are a post-2.0 proposal.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (global $g i32 (i32.add (i32.const 1) (i32.const 2)))
  (func (export "yoi_tool_call")
    (drop (global.get $g))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
