// oidc-assume as a JavaScript action: the post step (end of the job, also after a failure). It
// runs the same verified binary as main.js, which sees STATE_oidc_assume and undoes what the
// main step exported and wrote (unless the `cleanup` input is false). Without that state the
// main step never ran the binary, and this step does nothing.
'use strict';

require('./main.js').start('post');
