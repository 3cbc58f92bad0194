;;! id = "features.wide-arithmetic"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "adds two 128-bit integers with i64.add128"
;;! [expect]
;;! code = "module_invalid"
;; Wide arithmetic is a post-2.0 proposal.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (func (export "yoi_tool_call")
    (i64.add128 (i64.const 1) (i64.const 0) (i64.const 2) (i64.const 0))
    (drop)
    (drop)
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
