;;! id = "features.tail-calls"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "tail-calls a function with return_call"
;;! [expect]
;;! code = "module_invalid"
;; Tail calls are a post-2.0 proposal.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (func $target)
  (func $jump (return_call $target))
  (func (export "yoi_tool_call")
    (call $jump)
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
