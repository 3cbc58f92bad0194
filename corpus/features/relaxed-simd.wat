;;! id = "features.relaxed-simd"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "uses i32x4.relaxed_trunc_f32x4_s"
;;! [expect]
;;! code = "module_invalid"
;; Relaxed SIMD results differ between hosts; it is a post-2.0 proposal.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (func (export "yoi_tool_call")
    (drop (i32x4.relaxed_trunc_f32x4_s (v128.const f32x4 1 2 3 4)))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
