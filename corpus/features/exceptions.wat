;;! id = "features.exceptions"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "throws and catches an exception with try_table"
;;! [expect]
;;! code = "module_invalid"
;; Exception handling is a post-2.0 proposal.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if the runtime accepts the feature.
  (data (i32.const 0) "{\"summary\":\"a post-2.0 feature ran\"}")
  (tag $boom)
  (func (export "yoi_tool_call")
    (block $caught
      (try_table (catch $boom $caught)
        (throw $boom)))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
