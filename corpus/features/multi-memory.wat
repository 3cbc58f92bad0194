;;! id = "features.multi-memory"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "declares a second memory and stores into it"
;;! [expect]
;;! code = "module_invalid"
;; Two memories would give the guest a place the ABI's pointers cannot name.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (memory $second 1)
  (func (export "yoi_tool_call")
    (i32.store $second (i32.const 0) (i32.const 1))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
