;;! id = "package.same-id-other-module"
;;! guarantee = "PKG-02"
;;! since = "0.1.0"
;;! summary = "a package with the same plugin id, manifest and entry but another module was loaded first"
;;! [package]
;;! warm_up = true
;;! warm_up_module = '''
;;! (module
;;!   (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
;;!   (memory (export "memory") 1)
;;!   (data (i32.const 0) "{\"summary\":\"the module loaded first\"}")
;;!   (func (export "yoi_tool_call")
;;!     (drop (call $output_write (i32.const 0) (i32.const 37)))))
;;! '''
;;! [expect]
;;! output = { summary = "the module of this package" }
;; The warm-up call loads a sibling package, pinned with its own digest, whose plugin.toml is
;; byte-identical to this one (same id, name, entry) and whose module answers differently. Both
;; loads verify; only the module differs. A runtime that keys loaded plugins or compiled code by
;; plugin id, entry path or manifest answers the judged calls with the first module.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the module of this package\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 40)))))
