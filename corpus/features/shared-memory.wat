;;! id = "features.shared-memory"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "exports a shared memory (threads proposal)"
;;! [expect]
;;! code = "module_invalid"
;; A shared memory can be reached from several threads at once; ABI v1 has one thread and no shared
;; state.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1 1 shared)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (func (export "yoi_tool_call")
    (nop)
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
