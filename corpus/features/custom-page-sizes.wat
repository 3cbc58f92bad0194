;;! id = "features.custom-page-sizes"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "declares a memory with one-byte pages"
;;! [expect]
;;! code = "module_invalid"
;; Custom page sizes change what memory.grow and the memory cap mean.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 65536 (pagesize 1))
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (func (export "yoi_tool_call")
    (nop)
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
