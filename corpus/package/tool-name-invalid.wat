;;! id = "package.tool-name-invalid"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the manifest declares a second tool named \"run tool/../x\""
;;! [package]
;;! tools = ["run", "run tool/../x"]
;;! [expect]
;;! code = "manifest_invalid"
;; Tool names are what the model calls and what a host routes on; spaces, slashes and dots could
;; collide with host namespacing. The called tool ("run") is fine, so only validation of every
;; declared name refuses the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
