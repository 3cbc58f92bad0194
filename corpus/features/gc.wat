;;! id = "features.gc"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "allocates a GC struct"
;;! [expect]
;;! code = "module_invalid"
;; Garbage-collected types are a post-2.0 proposal.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (type $point (struct (field i32)))
  (func (export "yoi_tool_call")
    (drop (struct.new $point (i32.const 1)))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
