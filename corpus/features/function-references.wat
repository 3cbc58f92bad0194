;;! id = "features.function-references"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "calls a typed function reference with call_ref"
;;! [expect]
;;! code = "module_invalid"
;; Typed function references are a post-2.0 proposal.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (type $void (func))
  (func $target (type $void))
  (elem declare func $target)
  (func (export "yoi_tool_call")
    (call_ref $void (ref.func $target))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
