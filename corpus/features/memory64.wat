;;! id = "features.memory64"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "exports a 64-bit memory"
;;! [expect]
;;! code = "module_invalid"
;; memory64 changes every pointer the ABI passes; it is not WebAssembly 2.0.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") i64 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i64.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (func (export "yoi_tool_call")
    (nop)
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
