;;! id = "package.zip-without-directory-entries"
;;! guarantee = "PKG-10"
;;! since = "0.1.0"
;;! summary = "a stored zip without directory entries, as some packers write it"
;;! capabilities = ["package_zip"]
;;! [package]
;;! entry = "lib/tool.wasm"
;;! [zip]
;;! no_directories = true
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; Directory entries are optional: a file `lib/tool.wasm` implies its directory. A reader that needs
;; the `lib/` entry first (or that counts it as a file) fails here.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
