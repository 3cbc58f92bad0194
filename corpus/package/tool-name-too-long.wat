;;! id = "package.tool-name-too-long"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "a second tool whose name is 65 bytes, one over the limit"
;;! [package]
;;! tools = ["run", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]
;;! [expect]
;;! code = "manifest_invalid"
;; The name limit is 64 bytes (result.tool-name-echo shows that 64 is accepted). One byte more is
;; manifest_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
