// <video-uploader> at the server's root: a page anywhere can load the element from
// http://SERVER/video-uploader.js. The element and the wasm live in /pkg.
export * from './pkg/video-uploader.js';
