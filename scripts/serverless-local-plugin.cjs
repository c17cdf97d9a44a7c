'use strict';

/**
 * This project's Serverless plugin (listed in serverless.yml). Two duties:
 *
 * 1. Before anything is zipped, checks that the build outputs serverless.yml points at exist:
 *    dist/lambda/<function>/index.mjs (scripts/build-functions.ts), layers/ffmpeg/bin/*
 *    (scripts/build-layer.ts) and the state machine's definition with its Retry policies,
 *    dist/statemachines/transcode.asl.json (scripts/package.ts). Without them `serverless package`/`deploy` would zip empty
 *    functions; `npm run package` builds both.
 *
 * 2. With MT_OFFLINE_PACKAGE=1 (set by `npm run package`, see scripts/package.ts) lets
 *    `serverless package` run with no AWS account and no network. The only AWS call
 *    `package` makes is the layer compiler's DescribeStacks, which looks for a previous
 *    deployment to reuse an already uploaded, unchanged layer zip; it is skipped, so the
 *    package always carries the layer zip, as for a first deployment. Without the variable
 *    the CLI behaves as usual.
 */
const fs = require('node:fs');
const path = require('node:path');

class MediaTranscoderPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.checkBuildOutputs(),
    };
    if (process.env.MT_OFFLINE_PACKAGE === '1') {
      this.hooks['before:package:compileLayers'] = () => this.skipLayerLookup();
      this.hooks['before:deploy:deploy'] = () => {
        throw new serverless.classes.Error('MT_OFFLINE_PACKAGE=1 is for `serverless package` only; unset it to deploy');
      };
    }
  }

  checkBuildOutputs() {
    const root = this.serverless.serviceDir;
    const missing = [];
    const asl = path.join(root, 'dist', 'statemachines', 'transcode.asl.json');
    if (!fs.existsSync(asl)) missing.push(path.relative(root, asl));
    for (const name of this.serverless.service.getAllFunctions()) {
      const handler = this.serverless.service.getFunction(name).handler || '';
      const file = path.join(root, `${handler.replace(/\.[^.]+$/, '')}.mjs`);
      if (!fs.existsSync(file)) missing.push(path.relative(root, file));
    }
    for (const name of this.serverless.service.getAllLayers()) {
      const layer = this.serverless.service.getLayer(name);
      if (layer.package?.artifact) continue;
      for (const bin of ['bin/ffmpeg', 'bin/ffprobe']) {
        const file = path.join(root, layer.path, bin);
        if (!fs.existsSync(file)) missing.push(path.relative(root, file));
      }
    }
    if (missing.length) {
      throw new this.serverless.classes.Error(
        `build outputs missing: ${missing.join(', ')}. Run \`npm run package\` (it builds them), ` +
          'then deploy that package with `serverless deploy --package .serverless`.',
      );
    }
  }

  skipLayerLookup() {
    const compiler = this.serverless.pluginManager.plugins.find((p) => typeof p.compareWithLastLayer === 'function');
    if (!compiler) {
      throw new this.serverless.classes.Error('offline package: the layer compiler of this CLI version was not found');
    }
    compiler.compareWithLastLayer = async () => undefined;
  }
}

module.exports = MediaTranscoderPlugin;
