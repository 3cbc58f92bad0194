;;! id = "package.tool-name-too-long"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "a second tool whose name is 129 bytes, one over the limit"
;;! [package]
;;! tools = ["run", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]
;;! [expect]
;;! code = "manifest_invalid"
;; The name limit is 128 bytes, the originating host's (package.tool-name-host-rule-at-cap shows
;; that 128 is accepted by a runtime that reads the host's manifests). One byte more is
;; manifest_invalid for every runtime, whichever of the two rules of docs/SPEC.md it applies.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
