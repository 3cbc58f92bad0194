;;! id = "features.atomics"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "uses i32.atomic.rmw.add on an ordinary memory"
;;! [expect]
;;! code = "module_invalid"
;; Atomic instructions belong to the threads proposal even on unshared memory.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (func (export "yoi_tool_call")
    (drop (i32.atomic.rmw.add (i32.const 64) (i32.const 1)))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
